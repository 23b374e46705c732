"""What people see: words in Vietnamese and English, figures, briefings, the screens."""
