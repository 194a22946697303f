"""The public board (晾晒): recent cases on a list and a map, each case's public page, figures per department."""
