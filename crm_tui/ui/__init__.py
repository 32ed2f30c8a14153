"""The Textual front end. Screens call services; they never write SQL."""
