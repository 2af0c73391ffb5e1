"""The task registry: one explicit table from `config.task` to a task."""

from lmjax.tasks import language_model
from lmjax.train.task_interface import Task

TASKS: dict[str, Task] = {
    language_model.TASK.name: language_model.TASK,
}


def get(name: str) -> Task:
  """Returns the task registered as `name`; an unknown name lists the known ones."""
  if name not in TASKS:
    raise KeyError(f"Unknown task {name!r}; registered tasks: {sorted(TASKS)}")
  return TASKS[name]
