/** @module bench/types  What a benchmark group is. */
export interface BenchContext {
  quick: boolean;
  /** Progress for humans, on stderr. */
  log(message: string): void;
}

export interface BenchGroup {
  name: string;
  description: string;
  /** Pure groups need no service (Kafka, nodes) running. */
  pure: boolean;
  /** Returns one figure per key; keys are stable across versions (snake_case with a unit suffix). */
  run(ctx: BenchContext): Promise<Record<string, number>>;
}
