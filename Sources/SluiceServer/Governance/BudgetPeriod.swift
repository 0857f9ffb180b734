import SluiceStore

/// The UTC calendar periods budgets count in.
///
/// Hand-written day arithmetic (Howard Hinnant's civil-from-days algorithm) because Foundation's
/// calendar is too slow for a check made on every request.
enum BudgetPeriod {
    static let secondsPerDay: Int64 = 86_400

    /// The first second of the period that contains `now`; 0 for `total`.
    static func start(of period: BudgetRecord.Period, containing now: UnixTime) -> UnixTime {
        switch period {
        case .total: return 0
        case .day: return now - self.modulo(now, self.secondsPerDay)
        case .month:
            let (year, month, _) = self.civil(fromDays: self.floorDivide(now, self.secondsPerDay))
            return self.days(year: year, month: month, day: 1) * self.secondsPerDay
        }
    }

    /// When the period that contains `now` ends; nil for `total`.
    static func end(of period: BudgetRecord.Period, containing now: UnixTime) -> UnixTime? {
        switch period {
        case .total: return nil
        case .day: return self.start(of: .day, containing: now) + self.secondsPerDay
        case .month:
            let (year, month, _) = self.civil(fromDays: self.floorDivide(now, self.secondsPerDay))
            return self.days(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1, day: 1) * self.secondsPerDay
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    static func iso8601(_ time: UnixTime) -> String {
        let (year, month, day) = self.civil(fromDays: self.floorDivide(time, self.secondsPerDay))
        let seconds = self.modulo(time, self.secondsPerDay)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    /// The first second of a `YYYY-MM-DD` day (UTC), or nil when `text` is not such a date.
    static func start(ofDay text: some StringProtocol) -> UnixTime? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            parts[0].count == 4, (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return self.days(year: year, month: month, day: day) * self.secondsPerDay
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        (a - self.modulo(a, b)) / b
    }

    private static func modulo(_ a: Int64, _ b: Int64) -> Int64 {
        let remainder = a % b
        return remainder < 0 ? remainder + b : remainder
    }

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
