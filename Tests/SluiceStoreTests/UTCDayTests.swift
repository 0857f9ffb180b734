import Testing

@testable import SluiceStore

@Suite("UTC days")
struct UTCDayTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01"), (-1, "1969-12-31"), (59, "1970-03-01"), (10_956, "1999-12-31"), (10_957, "2000-01-01"),
        (11_016, "2000-02-29"), (19_782, "2024-02-29"), (19_783, "2024-03-01"), (2_932_896, "9999-12-31"),
    ])
    func dayNumbersAsDates(dayNumber: Int64, date: String) {
        #expect(UTCDay.string(dayNumber: dayNumber) == date)
    }
}
