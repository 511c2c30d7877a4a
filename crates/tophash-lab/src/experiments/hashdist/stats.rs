//! How evenly `n` keys fall into `m` bins, against the uniform multinomial.
//!
//! With every key landing in a bin uniformly and independently, each count
//! is Binomial(n, 1/m): mean `E = n/m`, variance `n/m · (1 − 1/m)`. The
//! population variance of the counts (`Σ (c − E)² / m`, the mean is exactly
//! `E`) has that expectation, and the chi-square statistic
//! `Σ (c − E)² / E` is approximately χ² with `m − 1` degrees of freedom.
//! The variance ratio (observed / uniform) is exactly `χ² / (m − 1)`, so
//! its p-value is the chi-square test's.

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, Discrete, DiscreteCDF};

/// The spread of one set of bin counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dist {
    pub n: u64,
    pub m: u64,
    /// Population variance of the counts.
    pub variance: f64,
    /// Its expectation under uniform hashing: `n/m · (1 − 1/m)`.
    pub expected_variance: f64,
    /// `variance / expected_variance` (= χ² / (m − 1)).
    pub ratio: f64,
    pub chi2: f64,
    /// Upper-tail p-value: P(χ²_{m−1} ≥ chi2). Small: too uneven.
    pub p: f64,
    /// Lower tail: P(χ²_{m−1} ≤ chi2). Small: more even than chance.
    pub p_low: f64,
    /// The fullest bin.
    pub max: u64,
    /// Empty bins.
    pub empty: u64,
}

impl Dist {
    /// Summarises `counts` (one per bin, at least two bins).
    pub fn of(counts: &[u64]) -> Dist {
        let m = counts.len() as u64;
        assert!(m >= 2, "at least two bins");
        let n: u64 = counts.iter().sum();
        let e = n as f64 / m as f64;
        let ss: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2)).sum();
        let variance = ss / m as f64;
        let expected_variance = e * (1.0 - 1.0 / m as f64);
        let chi2 = if e > 0.0 { ss / e } else { 0.0 };
        let df = (m - 1) as f64;
        let dist = ChiSquared::new(df).expect("df >= 1");
        Dist {
            n,
            m,
            variance,
            expected_variance,
            ratio: if expected_variance > 0.0 { variance / expected_variance } else { f64::NAN },
            chi2,
            p: dist.sf(chi2),
            p_low: dist.cdf(chi2),
            max: counts.iter().copied().max().unwrap_or(0),
            empty: counts.iter().filter(|&&c| c == 0).count() as u64,
        }
    }
}

/// A one-word reading of the two tails at the 0.1 % level.
pub fn reading(p: f64, p_low: f64) -> &'static str {
    if p < 1e-3 {
        "uneven"
    } else if p_low < 1e-3 {
        "too even"
    } else {
        "as random"
    }
}

/// Upper-tail p-value of a variance ratio `ratio` over `m` bins (for
/// numbers quoted without their counts, such as the article's).
pub fn ratio_p(ratio: f64, m: u64) -> f64 {
    let df = (m - 1) as f64;
    ChiSquared::new(df).expect("df >= 1").sf(ratio * df)
}

/// The central `1 − alpha` interval of the variance ratio under uniform
/// hashing over `m` bins: `χ²_{m−1}` quantiles divided by `m − 1`.
pub fn ratio_interval(m: u64, alpha: f64) -> (f64, f64) {
    let df = (m - 1) as f64;
    let d = ChiSquared::new(df).expect("df >= 1");
    (d.inverse_cdf(alpha / 2.0) / df, d.inverse_cdf(1.0 - alpha / 2.0) / df)
}

/// The expected fullest bin under uniform hashing, treating the `m`
/// Binomial(n, 1/m) counts as independent: `Σ_k (1 − P(X ≤ k)^m)`.
pub fn expected_max(n: u64, m: u64) -> f64 {
    let p = 1.0 / m as f64;
    let b = Binomial::new(p, n).expect("0 < p <= 1");
    let mean = n as f64 * p;
    let sd = (mean * (1.0 - p)).sqrt();
    // Below k0 the term is 1 to within 1e-12 (P(X <= k)^m is tiny); above,
    // sum until the tail term vanishes.
    let k0 = (mean - 10.0 * sd - 1.0).floor().max(0.0) as u64;
    let mut sum = k0 as f64;
    let mut k = k0;
    loop {
        let f = b.cdf(k);
        let term = 1.0 - f.powf(m as f64);
        sum += term;
        if (k as f64 > mean && term < 1e-9) || k >= n {
            break;
        }
        k += 1;
    }
    sum
}

/// How many of `m` bins hold exactly `k` of `n` uniformly hashed keys,
/// on average: `m · P(X = k)`.
pub fn expected_bins_with(n: u64, m: u64, k: u64) -> f64 {
    m as f64 * Binomial::new(1.0 / m as f64, n).expect("0 < p <= 1").pmf(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_counts() {
        let d = Dist::of(&[10, 10, 10, 10]);
        assert_eq!(d.variance, 0.0);
        assert_eq!(d.chi2, 0.0);
        assert_eq!(d.max, 10);
        assert!((d.p - 1.0).abs() < 1e-12);
        assert_eq!(reading(d.p, d.p_low), "too even");
    }

    #[test]
    fn known_chi_square() {
        // Counts 5, 15 over 2 bins: E = 10, χ² = (25 + 25) / 10 = 5, df 1;
        // P(χ²_1 >= 5) = 0.02535.
        let d = Dist::of(&[5, 15]);
        assert!((d.chi2 - 5.0).abs() < 1e-12);
        assert!((d.p - 0.025_347).abs() < 1e-5, "{}", d.p);
        assert!((d.variance - 25.0).abs() < 1e-12);
        assert!((d.expected_variance - 5.0).abs() < 1e-12);
        assert!((d.ratio - 5.0).abs() < 1e-12);
        assert_eq!(d.empty, 0);
        // All keys in one bin.
        let d = Dist::of(&[0, 0, 0, 100]);
        assert_eq!(reading(d.p, d.p_low), "uneven");
        assert_eq!(d.empty, 3);
    }

    #[test]
    fn ratio_p_matches_the_chi_square() {
        let d = Dist::of(&[5, 15]);
        assert!((ratio_p(d.ratio, 2) - d.p).abs() < 1e-12);
        let (lo, hi) = ratio_interval(1024, 0.01);
        assert!(lo < 1.0 && hi > 1.0 && hi - 1.0 < 0.2, "{lo} {hi}");
    }

    #[test]
    fn expected_max_is_plausible() {
        // One bin: the max is n.
        assert!((expected_max(50, 1) - 50.0).abs() < 1e-6);
        // 100,000 keys in 1,024 bins: mean 97.7, sd 9.9; the max of 1,024
        // such counts lies about three sd above the mean.
        let e = expected_max(100_000, 1024);
        assert!((120.0..135.0).contains(&e), "{e}");
        let total: f64 = (0..=400).map(|k| expected_bins_with(100_000, 1024, k)).sum();
        assert!((total - 1024.0).abs() < 1e-6, "{total}");
    }
}
