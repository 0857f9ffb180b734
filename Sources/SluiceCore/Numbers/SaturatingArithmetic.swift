/// Arithmetic that clamps to the type's range instead of trapping, for numbers that come from a
/// client, an upstream or the store: a request may ask for anything, and one request must never
/// stop the process. The names are those of swift-numerics' `IntegerUtilities` (not yet in a
/// release), so that module can replace this file once it ships.
extension FixedWidthInteger {
    /// `self + other`, clamped to `Self.min...Self.max`.
    @inlinable
    public func addingWithSaturation(_ other: Self) -> Self {
        let (sum, overflow) = self.addingReportingOverflow(other)
        guard overflow else { return sum }
        return other < 0 ? .min : .max
    }

    /// `self - other`, clamped to `Self.min...Self.max`.
    @inlinable
    public func subtractingWithSaturation(_ other: Self) -> Self {
        let (difference, overflow) = self.subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? .max : .min
    }

    /// `self × other`, clamped to `Self.min...Self.max`.
    @inlinable
    public func multipliedWithSaturation(by other: Self) -> Self {
        let (product, overflow) = self.multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }

    /// `value` rounded toward zero and clamped to `Self.min...Self.max`; NaN is 0. Unlike
    /// `Self(value)`, never traps, whatever `value` is (±infinity, 1e308, NaN).
    @inlinable
    public init<Source: BinaryFloatingPoint>(saturating value: Source) {
        if value.isNaN {
            self = 0
        } else if let exact = Self(exactly: value.rounded(.towardZero)) {
            self = exact
        } else {
            self = value < 0 ? .min : .max
        }
    }
}

extension Sequence where Element: FixedWidthInteger {
    /// The sum of the elements, clamped to the element type's range at every step.
    @inlinable
    public func sumWithSaturation() -> Element {
        self.reduce(0) { $0.addingWithSaturation($1) }
    }
}
