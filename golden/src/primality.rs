//! Miller-Rabin primality test for custom moduli (up to a few thousand bits).

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

/// Bases used for every candidate: deterministic for n < 3.3e24, and for larger n the chance that
/// a composite passes all 40 rounds is below 4^-40.
const BASES: [u32; 40] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173,
];

/// Returns true if `n` is (with overwhelming probability) prime.
pub fn is_probable_prime(n: &BigUint) -> bool {
    let two = BigUint::from(2u32);
    if n < &two {
        return false;
    }
    for &b in BASES.iter() {
        let b = BigUint::from(b);
        if n == &b {
            return true;
        }
        if (n % &b).is_zero() {
            return false;
        }
    }
    let n1 = n - 1u32;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    'witness: for &b in BASES.iter() {
        let mut x = BigUint::from(b).modpow(&d, n);
        if x.is_one() || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = (&x * &x).mod_floor(n);
            if x == n1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_primes_and_composites() {
        let m61 = (BigUint::one() << 61u32) - 1u32;
        let m127 = (BigUint::one() << 127u32) - 1u32;
        assert!(is_probable_prime(&m61));
        assert!(is_probable_prime(&m127));
        assert!(!is_probable_prime(&((BigUint::one() << 64u32) + 1u32)));
        // Carmichael number 561 and a strong pseudoprime to base 2 (2047).
        assert!(!is_probable_prime(&BigUint::from(561u32)));
        assert!(!is_probable_prime(&BigUint::from(2047u32)));
        assert!(!is_probable_prime(&(&m61 * &m127)));
        assert!(is_probable_prime(&BigUint::from(2u32)));
        assert!(!is_probable_prime(&BigUint::from(1u32)));
    }
}
