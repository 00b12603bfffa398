"""Mutant catalogues, one module per assignment (tests/mutants/<assignment>.py): MUTANTS,
realistic mistakes in exactly one exercise each, and HONEST, correct code in other styles."""
import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Variant:
    id: str
    exercise: str          # the exercise whose definition the code replaces
    code: str              # the replacement: a function, or a method of the assignment's class
    mistake: str = ""      # the hint key the graders must report; "" for honest variants
    #: other keys the same mistake rightly earns in other cases (e.g. a training run at the
    #: default rate that stays short of the bar, diagnosed by what it achieved)
    also: tuple[str, ...] = ()


def catalogue(assignment_id: str) -> ModuleType:
    """tests/mutants/<assignment_id>.py: its MUTANTS and HONEST lists."""
    return importlib.import_module(f"{__name__}.{assignment_id}")
