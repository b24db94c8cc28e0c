// The one module that holds the label vocabularies. It follows ../shared/CODEBOOK.md v1.1 exactly; the
// JSON beside it is also read by the Python pipeline (scripts/mhelp_pipeline/core/codebook.py), so training
// and serving can never disagree on label order.
import codebookJson from "./codebook.json";

export type TaskKind = "single_label" | "multi_label";

export interface TaskDefinition {
  key: string;
  kind: TaskKind;
  /** true for the three M-Help tasks, false for auxiliary heads learned from public datasets. */
  primary: boolean;
  labels: readonly string[];
  definition: string;
  label_definitions: Readonly<Record<string, string>>;
}

export const CODEBOOK_VERSION: string = codebookJson.codebook_version;
export const TASKS: readonly TaskDefinition[] = codebookJson.tasks as unknown as TaskDefinition[];

/** The three M-Help task keys, the same everywhere (API, CLI, model outputs, Python). */
export const PRIMARY_TASKS = ["help_seeking", "condition", "causes"] as const;
export type PrimaryTask = (typeof PRIMARY_TASKS)[number];

export function taskByKey(key: string): TaskDefinition {
  const task = TASKS.find((t) => t.key === key);
  if (!task) throw new Error(`unknown task "${key}"; known: ${TASKS.map((t) => t.key).join(", ")}`);
  return task;
}
