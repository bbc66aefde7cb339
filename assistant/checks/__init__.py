"""Review checks: one module per finding family, each a `Check` over a `ReviewContext`."""
