"""Set-based scoring over the whole ledger: recompute and impact analysis."""
