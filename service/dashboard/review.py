"""The review queue: doubtful name matches, their evidence, and a person's verdict."""
