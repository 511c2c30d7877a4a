module tophash.invalid/compare

go 1.19
