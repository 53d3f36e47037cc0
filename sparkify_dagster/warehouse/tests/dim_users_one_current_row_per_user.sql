-- Exactly one period in force per user. Returns the users with none or several.
select user_id, count(*) filter (where current_row) as current_rows
from {{ ref('dim_users') }}
group by user_id
having count(*) filter (where current_row) <> 1
