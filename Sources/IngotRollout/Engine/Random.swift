/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64).
/// The same seed gives the same sequence on every platform, which makes timelines reproducible.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spare = 0.0
    private var hasSpare = false

    public init(seed: UInt64) {
        var sm = seed
        func next() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// A standard normal deviate (Box-Muller: each pair of uniforms gives two, the second kept for the next call).
    public mutating func normal() -> Double {
        if hasSpare {
            hasSpare = false
            return spare
        }
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        let r = (-2 * _log(u1)).squareRoot(), theta = 2 * Double.pi * u2
        spare = r * _sin(theta)
        hasSpare = true
        return r * _cos(theta)
    }

    /// The seed of run `index` of a Monte Carlo batch started from `seed` (independent streams).
    public static func derive(_ seed: UInt64, run index: Int) -> UInt64 {
        var g = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return g.next()
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
