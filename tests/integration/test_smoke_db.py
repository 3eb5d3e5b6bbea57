from chairops.seating.availability import slot_count


def test_event_gets_its_slots(make, session, backend):
    event = make.event(
        chairs=3, start_time="10:00", end_time="11:00", slot_minutes=15, buffer_minutes=5
    )
    assert slot_count(session, event) == 9
