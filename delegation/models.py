"""Third-party relationships, visibility rules and client groups live here."""
