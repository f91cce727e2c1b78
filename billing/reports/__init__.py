"""Cost-sharing statements as data, and their renderings: CSV, XLSX, PDF, XRechnung."""
