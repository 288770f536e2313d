"""People who use leadflow: sales reps, their managers, marketing and admins."""
