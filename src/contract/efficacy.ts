/** Efficacy shapes shown on goals (`efficacy_specification`) and action plans (`global_efficacy`, `efficacy_indicators`). */
export interface IndicatorSpec {
  name: string;
  description: string;
  unit: string | null;
  /** JSON schema of the value; serialised as a JSON string on the wire (upstream quirk). */
  schema: Record<string, unknown>;
}

export interface EfficacyValue {
  name: string;
  description: string;
  unit: string | null;
  value: number;
}
