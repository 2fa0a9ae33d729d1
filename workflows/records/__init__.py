"""Records in and out: spreadsheet import, the JSON export, and upgrading cases written by
older versions. Backup and restore of a whole data folder live in `storage/`."""
