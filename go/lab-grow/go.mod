module tophash.invalid/lab-grow

go 1.19
