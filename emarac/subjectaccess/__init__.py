"""Subject access: everything held about one person, across agencies, as a zip."""
