-- Each member's deliveries in the order they became due: the order of the TAXII
-- inbox collection and of GET /inbox (see host/src/store/collection.rs). A
-- delivery joins it when its delay has run out, not when it was committed, so a
-- client that walked past a point never misses what is added before it later.
-- One row per member per indexing pass: `entries` lists the pass's views for
-- that member in order, each with its number of STIX objects
-- ("view:objects,view:objects"); object i of the row's objects was added at
-- first_added + i microseconds, so every object has a date added of its own.
CREATE TABLE collection_order (
    member_id   INTEGER NOT NULL REFERENCES members(id),
    first_added INTEGER NOT NULL,
    last_added  INTEGER NOT NULL,
    entries     TEXT NOT NULL,
    PRIMARY KEY (member_id, last_added)
);

-- Views committed with a delay, waiting to join the order when it runs out
-- (their `available_at`, in `views`, says when).
CREATE TABLE collection_pending (
    view_id INTEGER PRIMARY KEY REFERENCES views(id)
);

-- How far the order goes: views up to last_view are in it or pending; the last
-- microsecond handed out. Starts at 0, so the first pass orders every view
-- already stored.
CREATE TABLE collection_indexed (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_view  INTEGER NOT NULL,
    last_added INTEGER NOT NULL
);
INSERT INTO collection_indexed (id, last_view, last_added) VALUES (1, 0, 0);

-- Every STIX object of an ordered view, by id: how match[id] and GET
-- objects/{id}/ find an object without walking the collection. `added` is the
-- pass that ordered the view (its row's first_added for each recipient).
CREATE TABLE stix_objects (
    object_id TEXT PRIMARY KEY,
    view_id   INTEGER NOT NULL REFERENCES views(id),
    position  INTEGER NOT NULL,
    added     INTEGER NOT NULL
);

-- This deployment's namespace for the UUIDv5 ids of the STIX objects it
-- exports: two deployments never issue the same id for different reports.
CREATE TABLE deployment (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    namespace TEXT NOT NULL
);
INSERT INTO deployment (id, namespace) VALUES (1, lower(hex(randomblob(16))));
