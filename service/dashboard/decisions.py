"""The decision log: search the answers given, and explain any one of them."""
