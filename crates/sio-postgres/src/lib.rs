//! PostgreSQL for sio: a cluster adapter that speaks npm `@socket.io/postgres-adapter`'s wire format.
