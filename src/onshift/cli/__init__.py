"""The thin command-line shell: parse arguments, read files through the edges, call the core,
render. Errors become exit codes here and only here."""
