"""Grades into the LMS: ``torchdrill export DIR --format canvas|moodle --roster FILE``.

    roster.py   read the LMS's own gradebook export (the roster), find its identity columns, and
                match each graded submission to one student row (``--match-by`` column)
    csvsafe.py  CSV cells neutralised against formula injection (OWASP), numbers written one way
    lms.py      the file each LMS imports: Canvas's gradebook CSV (with its "Points Possible" row),
                Moodle's grade import CSV; the side file of whatever did not match

Stages, in order: load the graded folder (report/load.py) → read the roster → match → write the
import file and the side file.  NB: matching comes before writing: an unmatched student keeps an
empty cell (the LMS leaves that grade alone) and both lists go to the side file, never dropped.
Nothing here imports torch.
"""
from .lms import FORMATS, Export, export_grades

__all__ = ["FORMATS", "Export", "export_grades"]
