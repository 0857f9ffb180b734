import PostgresNIO

extension PostgresStore {
    /// Where the PostgreSQL server is and how to talk to it. Usually made from a URL with
    /// ``init(url:)``.
    public struct Configuration: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        /// Nil for the server's default (the user name).
        public var database: String?
        /// The schema the tables live in, created by ``PostgresStore/migrate()`` when missing;
        /// nil for the server's default search path (normally `public`).
        public var schema: String?
        public var tls: TLSMode
        /// Most connections the store opens at once.
        public var maximumConnections: Int
        /// How long an operation waits for a connection (while the server is unreachable, or every
        /// connection is busy) before it fails with ``StoreError/unavailable(_:)``.
        public var connectionTimeout: Duration

        public init(
            host: String, port: Int = 5432, username: String, password: String? = nil, database: String? = nil, schema: String? = nil,
            tls: TLSMode? = nil, maximumConnections: Int = 10, connectionTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.schema = schema
            self.tls = tls ?? (Self.isLoopback(host) ? .disable : .prefer)
            self.maximumConnections = maximumConnections
            self.connectionTimeout = connectionTimeout
        }

        /// The same modes as libpq's `sslmode`.
        public enum TLSMode: String, Sendable, CaseIterable {
            /// Plain TCP.
            case disable
            /// TLS when the server offers it, without checking its certificate.
            case prefer
            /// TLS, without checking the server's certificate.
            case require
            /// TLS with a certificate signed by a trusted authority, for any host name.
            case verifyCA = "verify-ca"
            /// TLS with a trusted certificate for the host name.
            case verifyFull = "verify-full"
        }

        static func isLoopback(_ host: String) -> Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        /// The postgres-nio client configuration these settings describe.
        var clientConfiguration: PostgresClient.Configuration {
            var configuration = PostgresClient.Configuration(
                host: self.host, port: self.port, username: self.username, password: self.password, database: self.database,
                tls: self.clientTLS
            )
            configuration.options.maximumConnections = self.maximumConnections
            configuration.options.connectTimeout = self.connectionTimeout
            if let schema = self.schema {
                configuration.options.additionalStartupParameters = [("search_path", schema)]
            }
            return configuration
        }

        private var clientTLS: PostgresClient.Configuration.TLS {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch self.tls {
            case .disable:
                return .disable
            case .prefer:
                tls.certificateVerification = .none
                return .prefer(tls)
            case .require:
                tls.certificateVerification = .none
                return .require(tls)
            case .verifyCA:
                tls.certificateVerification = .noHostnameVerification
                return .require(tls)
            case .verifyFull:
                tls.certificateVerification = .fullVerification
                return .require(tls)
            }
        }
    }
}
