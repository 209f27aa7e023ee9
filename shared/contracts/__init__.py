"""Event contracts: the platform's public interface for department systems.

`envelope` is the CloudEvents 1.0 wrapper; one module per producing service holds its payloads;
`catalog` maps each versioned type string to its payload model.
"""
