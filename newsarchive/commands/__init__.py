"""Project commands (COMMANDS_MODULE): crawl with an exit status, reparse from WARC."""
