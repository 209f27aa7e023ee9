"""Funding's pure rules: which figure an award is computed on, who may approve and pay, the journal's
postings and the property-subsidy schedule. No I/O; anything time-dependent takes `now`."""
