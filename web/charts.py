"""The report page's bar charts: drawn by cases/reporting/charts.py, which the PDF circular shares."""

from cases.reporting.charts import bar_chart

__all__ = ["bar_chart"]
