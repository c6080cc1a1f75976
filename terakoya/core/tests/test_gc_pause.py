import gc

from terakoya.core.gc_pause import collector_paused


def test_the_collector_is_paused_inside_and_back_after_the_last_holder():
    # Given the collector running
    assert gc.isenabled()

    # When paused, and paused again inside
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        # then leaving the inner pause does not restart it
        assert not gc.isenabled()

    # Then leaving the outer one does
    assert gc.isenabled()


def test_a_collector_disabled_by_someone_else_stays_disabled():
    # Given the collector switched off by other code
    gc.disable()
    try:
        # When a pause begins and ends
        with collector_paused():
            pass

        # Then it is still off: the pause only undoes what it did
        assert not gc.isenabled()
    finally:
        gc.enable()
