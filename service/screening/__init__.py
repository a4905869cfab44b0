"""Name normalisation and matching. Pure: strings in, keys and scores out."""
