console.log('demo app v1');
