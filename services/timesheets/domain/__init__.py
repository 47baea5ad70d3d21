"""The pure domain of timesheets: the monthly time report of one assistant for one client.

No database, bus, web framework or clock (architecture.md §4): commands carry the Latvian
date they are decided on and everything the checks need (grants, other reports' entries).
"""
