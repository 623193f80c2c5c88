"""One module per ``crm`` sub-command; each exposes a Typer app or a command function."""
