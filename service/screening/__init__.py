"""Name normalisation and matching. Pure: strings in, keys and scores out."""

# Which matcher this code is. Raise it with any change to normalisation, scoring or the
# thresholds that can change which names hit: every vendor screened by an older matcher is
# then `screening_pending` until the re-screen job has screened it again.
MATCHER_VERSION = 2
