"""Staff-facing blueprints: sign-in, counter console, supervisor reports, management.

They arrive with the queue engine (issue 3) and the rating work (issue 4).
"""
