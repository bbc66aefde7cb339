"""The GitHub bot: webhook (GitHub App) and Action modes over one Bot and one GitHubClient seam."""
