"""The shared reading of the learned parsers' features (plugins/signalos_regex/features.py)."""


def test_in_read_chunks_reads_chunks_of_read_chunk_in_order(monkeypatch):
    import signalos_regex.features as features

    monkeypatch.setattr(features, "READ_CHUNK", 3)
    seen = []

    def read(part):
        seen.append(list(part))
        return [x * 10 for x in part]

    assert features.in_read_chunks(list(range(7)), read) == [0, 10, 20, 30, 40, 50, 60]
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]
