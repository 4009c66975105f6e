"""Developer tooling: DynamoDB Local runtime, the `make run` launcher, demo and benchmarks."""
