"""One module per `simphonie` subcommand."""
