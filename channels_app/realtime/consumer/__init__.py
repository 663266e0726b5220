"""The /ws consumer's parts, one concern per module; `channels_app.realtime.consumers` mounts them on one frame table.

base (connection lifecycle, frame parsing, scope checks), liveness (heartbeat, redelivery and lazy-ack ticks),
session (hello/join/leave/ping), turns (message, queue, abort), push (channels, acks), presence, control (broadcast,
event stream, remote agents).
"""
