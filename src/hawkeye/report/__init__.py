"""Self-contained HTML reports of scored videos, for a clinician who never saw the code.

:func:`render_report` / :func:`write_report`: one video's ``hawkeye predict`` report plus
its landmarks (and video, for key frames) as one HTML file with no external resources.
:func:`render_index`: an index page for a folder of such reports;
:func:`write_folder_reports` writes both for a scored folder.
"""

from hawkeye.report.html import render_report, write_report
from hawkeye.report.index import render_index, write_folder_reports

__all__ = ["render_index", "render_report", "write_folder_reports", "write_report"]
