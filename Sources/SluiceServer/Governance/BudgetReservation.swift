import Synchronization

/// A request's hold on its budgets: settled once with what the request really spent, or
/// released with nothing spent when it is dropped unsettled.
final class BudgetReservation: Sendable {
    private let book: BudgetBook
    let holds: [BudgetBook.Hold]
    private let settled = Atomic<Bool>(false)

    init(book: BudgetBook, holds: [BudgetBook.Hold]) {
        self.book = book
        self.holds = holds
    }

    func settle(tokens: Int64, microUSD: Int64) {
        guard !self.settled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.book.settle(self.holds, tokens: tokens, microUSD: microUSD)
    }

    deinit {
        self.settle(tokens: 0, microUSD: 0)
    }
}
