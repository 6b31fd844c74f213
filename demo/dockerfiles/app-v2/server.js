console.log('demo app v2');
