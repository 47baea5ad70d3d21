"""What timesheets knows from decisions' events: grants, suspensions, assistants, assignments."""
