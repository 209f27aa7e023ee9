"""The registry's pure rules, by feature; each function takes `now` where time matters."""
