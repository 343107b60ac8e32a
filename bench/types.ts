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
  /**
   * Returns one figure per key; keys are stable across versions (snake_case with a unit suffix). A
   * figure is a number, or an object of figures where one key stands for several (e.g. the e2e
   * group's `latency_breakdown`, by stage).
   */
  run(ctx: BenchContext): Promise<Record<string, BenchFigure>>;
}

/**
 * A figure: a number, or named figures under one key, or a string saying why a figure is
 * unavailable and what to install (e.g. the merkle group's Tessera reference without `go`).
 */
export type BenchFigure = number | string | { [name: string]: BenchFigure };
