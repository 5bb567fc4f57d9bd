import { createTestStore, STORE_DIALECTS } from '../helpers/store.js';
import { describeStoreContract } from './store.contract.js';

for (const dialect of STORE_DIALECTS) describeStoreContract(dialect, () => createTestStore(dialect));
