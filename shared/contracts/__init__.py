"""Event contracts: the platform's public interface for department systems.

`envelope` is the CloudEvents 1.0 wrapper; one module per producing service holds its payloads;
`catalog` maps each versioned type string to its payload model; `topics` and `dead_letter` name
the topics and the dead-letter headers. Nothing here imports the bus: the contract is what
department systems read, the bus only carries it. Import the module you need.
"""

__all__: list[str] = []
