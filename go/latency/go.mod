module tophash.example/latency

go 1.19
